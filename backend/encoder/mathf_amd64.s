// Hand-written AVX2/FMA kernels: expf and GELU(erf) with the same
// approximations as mathf.go, max, and LayerNorm (with an optional fused
// residual) following addLayerNormGo's steps.

#include "textflag.h"

DATA mconst<>+0(SB)/4, $0x3f800000
DATA mconst<>+4(SB)/4, $0x3f800000
DATA mconst<>+8(SB)/4, $0x3f800000
DATA mconst<>+12(SB)/4, $0x3f800000
DATA mconst<>+16(SB)/4, $0x3f800000
DATA mconst<>+20(SB)/4, $0x3f800000
DATA mconst<>+24(SB)/4, $0x3f800000
DATA mconst<>+28(SB)/4, $0x3f800000
DATA mconst<>+32(SB)/4, $0x3f000000
DATA mconst<>+36(SB)/4, $0x3f000000
DATA mconst<>+40(SB)/4, $0x3f000000
DATA mconst<>+44(SB)/4, $0x3f000000
DATA mconst<>+48(SB)/4, $0x3f000000
DATA mconst<>+52(SB)/4, $0x3f000000
DATA mconst<>+56(SB)/4, $0x3f000000
DATA mconst<>+60(SB)/4, $0x3f000000
DATA mconst<>+64(SB)/4, $0x42b0c0a5
DATA mconst<>+68(SB)/4, $0x42b0c0a5
DATA mconst<>+72(SB)/4, $0x42b0c0a5
DATA mconst<>+76(SB)/4, $0x42b0c0a5
DATA mconst<>+80(SB)/4, $0x42b0c0a5
DATA mconst<>+84(SB)/4, $0x42b0c0a5
DATA mconst<>+88(SB)/4, $0x42b0c0a5
DATA mconst<>+92(SB)/4, $0x42b0c0a5
DATA mconst<>+96(SB)/4, $0xc2b0c0a5
DATA mconst<>+100(SB)/4, $0xc2b0c0a5
DATA mconst<>+104(SB)/4, $0xc2b0c0a5
DATA mconst<>+108(SB)/4, $0xc2b0c0a5
DATA mconst<>+112(SB)/4, $0xc2b0c0a5
DATA mconst<>+116(SB)/4, $0xc2b0c0a5
DATA mconst<>+120(SB)/4, $0xc2b0c0a5
DATA mconst<>+124(SB)/4, $0xc2b0c0a5
DATA mconst<>+128(SB)/4, $0x3fb8aa3b
DATA mconst<>+132(SB)/4, $0x3fb8aa3b
DATA mconst<>+136(SB)/4, $0x3fb8aa3b
DATA mconst<>+140(SB)/4, $0x3fb8aa3b
DATA mconst<>+144(SB)/4, $0x3fb8aa3b
DATA mconst<>+148(SB)/4, $0x3fb8aa3b
DATA mconst<>+152(SB)/4, $0x3fb8aa3b
DATA mconst<>+156(SB)/4, $0x3fb8aa3b
DATA mconst<>+160(SB)/4, $0x3f318000
DATA mconst<>+164(SB)/4, $0x3f318000
DATA mconst<>+168(SB)/4, $0x3f318000
DATA mconst<>+172(SB)/4, $0x3f318000
DATA mconst<>+176(SB)/4, $0x3f318000
DATA mconst<>+180(SB)/4, $0x3f318000
DATA mconst<>+184(SB)/4, $0x3f318000
DATA mconst<>+188(SB)/4, $0x3f318000
DATA mconst<>+192(SB)/4, $0xb95e8083
DATA mconst<>+196(SB)/4, $0xb95e8083
DATA mconst<>+200(SB)/4, $0xb95e8083
DATA mconst<>+204(SB)/4, $0xb95e8083
DATA mconst<>+208(SB)/4, $0xb95e8083
DATA mconst<>+212(SB)/4, $0xb95e8083
DATA mconst<>+216(SB)/4, $0xb95e8083
DATA mconst<>+220(SB)/4, $0xb95e8083
DATA mconst<>+224(SB)/4, $0x39506967
DATA mconst<>+228(SB)/4, $0x39506967
DATA mconst<>+232(SB)/4, $0x39506967
DATA mconst<>+236(SB)/4, $0x39506967
DATA mconst<>+240(SB)/4, $0x39506967
DATA mconst<>+244(SB)/4, $0x39506967
DATA mconst<>+248(SB)/4, $0x39506967
DATA mconst<>+252(SB)/4, $0x39506967
DATA mconst<>+256(SB)/4, $0x3ab743ce
DATA mconst<>+260(SB)/4, $0x3ab743ce
DATA mconst<>+264(SB)/4, $0x3ab743ce
DATA mconst<>+268(SB)/4, $0x3ab743ce
DATA mconst<>+272(SB)/4, $0x3ab743ce
DATA mconst<>+276(SB)/4, $0x3ab743ce
DATA mconst<>+280(SB)/4, $0x3ab743ce
DATA mconst<>+284(SB)/4, $0x3ab743ce
DATA mconst<>+288(SB)/4, $0x3c088908
DATA mconst<>+292(SB)/4, $0x3c088908
DATA mconst<>+296(SB)/4, $0x3c088908
DATA mconst<>+300(SB)/4, $0x3c088908
DATA mconst<>+304(SB)/4, $0x3c088908
DATA mconst<>+308(SB)/4, $0x3c088908
DATA mconst<>+312(SB)/4, $0x3c088908
DATA mconst<>+316(SB)/4, $0x3c088908
DATA mconst<>+320(SB)/4, $0x3d2aa9c1
DATA mconst<>+324(SB)/4, $0x3d2aa9c1
DATA mconst<>+328(SB)/4, $0x3d2aa9c1
DATA mconst<>+332(SB)/4, $0x3d2aa9c1
DATA mconst<>+336(SB)/4, $0x3d2aa9c1
DATA mconst<>+340(SB)/4, $0x3d2aa9c1
DATA mconst<>+344(SB)/4, $0x3d2aa9c1
DATA mconst<>+348(SB)/4, $0x3d2aa9c1
DATA mconst<>+352(SB)/4, $0x3e2aaaaa
DATA mconst<>+356(SB)/4, $0x3e2aaaaa
DATA mconst<>+360(SB)/4, $0x3e2aaaaa
DATA mconst<>+364(SB)/4, $0x3e2aaaaa
DATA mconst<>+368(SB)/4, $0x3e2aaaaa
DATA mconst<>+372(SB)/4, $0x3e2aaaaa
DATA mconst<>+376(SB)/4, $0x3e2aaaaa
DATA mconst<>+380(SB)/4, $0x3e2aaaaa
DATA mconst<>+384(SB)/4, $0x3f000000
DATA mconst<>+388(SB)/4, $0x3f000000
DATA mconst<>+392(SB)/4, $0x3f000000
DATA mconst<>+396(SB)/4, $0x3f000000
DATA mconst<>+400(SB)/4, $0x3f000000
DATA mconst<>+404(SB)/4, $0x3f000000
DATA mconst<>+408(SB)/4, $0x3f000000
DATA mconst<>+412(SB)/4, $0x3f000000
DATA mconst<>+416(SB)/4, $0x7f
DATA mconst<>+420(SB)/4, $0x7f
DATA mconst<>+424(SB)/4, $0x7f
DATA mconst<>+428(SB)/4, $0x7f
DATA mconst<>+432(SB)/4, $0x7f
DATA mconst<>+436(SB)/4, $0x7f
DATA mconst<>+440(SB)/4, $0x7f
DATA mconst<>+444(SB)/4, $0x7f
DATA mconst<>+448(SB)/4, $0x3f3504f3
DATA mconst<>+452(SB)/4, $0x3f3504f3
DATA mconst<>+456(SB)/4, $0x3f3504f3
DATA mconst<>+460(SB)/4, $0x3f3504f3
DATA mconst<>+464(SB)/4, $0x3f3504f3
DATA mconst<>+468(SB)/4, $0x3f3504f3
DATA mconst<>+472(SB)/4, $0x3f3504f3
DATA mconst<>+476(SB)/4, $0x3f3504f3
DATA mconst<>+480(SB)/4, $0x40800000
DATA mconst<>+484(SB)/4, $0x40800000
DATA mconst<>+488(SB)/4, $0x40800000
DATA mconst<>+492(SB)/4, $0x40800000
DATA mconst<>+496(SB)/4, $0x40800000
DATA mconst<>+500(SB)/4, $0x40800000
DATA mconst<>+504(SB)/4, $0x40800000
DATA mconst<>+508(SB)/4, $0x40800000
DATA mconst<>+512(SB)/4, $0xc0800000
DATA mconst<>+516(SB)/4, $0xc0800000
DATA mconst<>+520(SB)/4, $0xc0800000
DATA mconst<>+524(SB)/4, $0xc0800000
DATA mconst<>+528(SB)/4, $0xc0800000
DATA mconst<>+532(SB)/4, $0xc0800000
DATA mconst<>+536(SB)/4, $0xc0800000
DATA mconst<>+540(SB)/4, $0xc0800000
DATA mconst<>+544(SB)/4, $0xaf95df0b
DATA mconst<>+548(SB)/4, $0xaf95df0b
DATA mconst<>+552(SB)/4, $0xaf95df0b
DATA mconst<>+556(SB)/4, $0xaf95df0b
DATA mconst<>+560(SB)/4, $0xaf95df0b
DATA mconst<>+564(SB)/4, $0xaf95df0b
DATA mconst<>+568(SB)/4, $0xaf95df0b
DATA mconst<>+572(SB)/4, $0xaf95df0b
DATA mconst<>+576(SB)/4, $0x32edffee
DATA mconst<>+580(SB)/4, $0x32edffee
DATA mconst<>+584(SB)/4, $0x32edffee
DATA mconst<>+588(SB)/4, $0x32edffee
DATA mconst<>+592(SB)/4, $0x32edffee
DATA mconst<>+596(SB)/4, $0x32edffee
DATA mconst<>+600(SB)/4, $0x32edffee
DATA mconst<>+604(SB)/4, $0x32edffee
DATA mconst<>+608(SB)/4, $0xb60cff51
DATA mconst<>+612(SB)/4, $0xb60cff51
DATA mconst<>+616(SB)/4, $0xb60cff51
DATA mconst<>+620(SB)/4, $0xb60cff51
DATA mconst<>+624(SB)/4, $0xb60cff51
DATA mconst<>+628(SB)/4, $0xb60cff51
DATA mconst<>+632(SB)/4, $0xb60cff51
DATA mconst<>+636(SB)/4, $0xb60cff51
DATA mconst<>+640(SB)/4, $0xb86ec2d2
DATA mconst<>+644(SB)/4, $0xb86ec2d2
DATA mconst<>+648(SB)/4, $0xb86ec2d2
DATA mconst<>+652(SB)/4, $0xb86ec2d2
DATA mconst<>+656(SB)/4, $0xb86ec2d2
DATA mconst<>+660(SB)/4, $0xb86ec2d2
DATA mconst<>+664(SB)/4, $0xb86ec2d2
DATA mconst<>+668(SB)/4, $0xb86ec2d2
DATA mconst<>+672(SB)/4, $0xba40ac63
DATA mconst<>+676(SB)/4, $0xba40ac63
DATA mconst<>+680(SB)/4, $0xba40ac63
DATA mconst<>+684(SB)/4, $0xba40ac63
DATA mconst<>+688(SB)/4, $0xba40ac63
DATA mconst<>+692(SB)/4, $0xba40ac63
DATA mconst<>+696(SB)/4, $0xba40ac63
DATA mconst<>+700(SB)/4, $0xba40ac63
DATA mconst<>+704(SB)/4, $0xbb41a1f6
DATA mconst<>+708(SB)/4, $0xbb41a1f6
DATA mconst<>+712(SB)/4, $0xbb41a1f6
DATA mconst<>+716(SB)/4, $0xbb41a1f6
DATA mconst<>+720(SB)/4, $0xbb41a1f6
DATA mconst<>+724(SB)/4, $0xbb41a1f6
DATA mconst<>+728(SB)/4, $0xbb41a1f6
DATA mconst<>+732(SB)/4, $0xbb41a1f6
DATA mconst<>+736(SB)/4, $0xbc83dbd4
DATA mconst<>+740(SB)/4, $0xbc83dbd4
DATA mconst<>+744(SB)/4, $0xbc83dbd4
DATA mconst<>+748(SB)/4, $0xbc83dbd4
DATA mconst<>+752(SB)/4, $0xbc83dbd4
DATA mconst<>+756(SB)/4, $0xbc83dbd4
DATA mconst<>+760(SB)/4, $0xbc83dbd4
DATA mconst<>+764(SB)/4, $0xbc83dbd4
DATA mconst<>+768(SB)/4, $0xb77460cd
DATA mconst<>+772(SB)/4, $0xb77460cd
DATA mconst<>+776(SB)/4, $0xb77460cd
DATA mconst<>+780(SB)/4, $0xb77460cd
DATA mconst<>+784(SB)/4, $0xb77460cd
DATA mconst<>+788(SB)/4, $0xb77460cd
DATA mconst<>+792(SB)/4, $0xb77460cd
DATA mconst<>+796(SB)/4, $0xb77460cd
DATA mconst<>+800(SB)/4, $0xb95fbd29
DATA mconst<>+804(SB)/4, $0xb95fbd29
DATA mconst<>+808(SB)/4, $0xb95fbd29
DATA mconst<>+812(SB)/4, $0xb95fbd29
DATA mconst<>+816(SB)/4, $0xb95fbd29
DATA mconst<>+820(SB)/4, $0xb95fbd29
DATA mconst<>+824(SB)/4, $0xb95fbd29
DATA mconst<>+828(SB)/4, $0xb95fbd29
DATA mconst<>+832(SB)/4, $0xbadc924e
DATA mconst<>+836(SB)/4, $0xbadc924e
DATA mconst<>+840(SB)/4, $0xbadc924e
DATA mconst<>+844(SB)/4, $0xbadc924e
DATA mconst<>+848(SB)/4, $0xbadc924e
DATA mconst<>+852(SB)/4, $0xbadc924e
DATA mconst<>+856(SB)/4, $0xbadc924e
DATA mconst<>+860(SB)/4, $0xbadc924e
DATA mconst<>+864(SB)/4, $0xbbf19bf8
DATA mconst<>+868(SB)/4, $0xbbf19bf8
DATA mconst<>+872(SB)/4, $0xbbf19bf8
DATA mconst<>+876(SB)/4, $0xbbf19bf8
DATA mconst<>+880(SB)/4, $0xbbf19bf8
DATA mconst<>+884(SB)/4, $0xbbf19bf8
DATA mconst<>+888(SB)/4, $0xbbf19bf8
DATA mconst<>+892(SB)/4, $0xbbf19bf8
DATA mconst<>+896(SB)/4, $0xbc69b6a7
DATA mconst<>+900(SB)/4, $0xbc69b6a7
DATA mconst<>+904(SB)/4, $0xbc69b6a7
DATA mconst<>+908(SB)/4, $0xbc69b6a7
DATA mconst<>+912(SB)/4, $0xbc69b6a7
DATA mconst<>+916(SB)/4, $0xbc69b6a7
DATA mconst<>+920(SB)/4, $0xbc69b6a7
DATA mconst<>+924(SB)/4, $0xbc69b6a7
GLOBL mconst<>(SB), RODATA|NOPTR, $928


// func expShiftSumAVX2(x *float32, n int, shift, scale float32) float32
// x[i] = exp((x[i]-shift)*scale) for i < n (n a multiple of 8); returns the sum.
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS shift+16(FP), Y14
	VBROADCASTSS scale+20(FP), Y13
	VXORPS Y15, Y15, Y15
	SHRQ $3, CX
	JZ   expdone
exploop:
	VMOVUPS (SI), Y0
	VSUBPS Y14, Y0, Y0
	VMULPS Y13, Y0, Y0
	VMINPS mconst<>+64(SB), Y0, Y0
	VMAXPS mconst<>+96(SB), Y0, Y0
	VMOVUPS mconst<>+32(SB), Y1
	VFMADD231PS mconst<>+128(SB), Y0, Y1
	VROUNDPS $1, Y1, Y1
	VFNMADD231PS mconst<>+160(SB), Y1, Y0
	VFNMADD231PS mconst<>+192(SB), Y1, Y0
	VMULPS Y0, Y0, Y2
	VMOVUPS mconst<>+224(SB), Y3
	VFMADD213PS mconst<>+256(SB), Y0, Y3
	VFMADD213PS mconst<>+288(SB), Y0, Y3
	VFMADD213PS mconst<>+320(SB), Y0, Y3
	VFMADD213PS mconst<>+352(SB), Y0, Y3
	VFMADD213PS mconst<>+384(SB), Y0, Y3
	VFMADD213PS Y0, Y2, Y3
	VADDPS mconst<>+0(SB), Y3, Y3
	VCVTTPS2DQ Y1, Y1
	VPADDD mconst<>+416(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y3, Y3
	VMOVUPS Y3, (SI)
	VADDPS Y3, Y15, Y15
	ADDQ $32, SI
	DECQ CX
	JNZ  exploop
expdone:
	VEXTRACTF128 $1, Y15, X1
	VADDPS X1, X15, X15
	VHADDPS X15, X15, X15
	VHADDPS X15, X15, X15
	VMOVSS X15, ret+24(FP)
	VZEROUPPER
	RET

// func geluErfAVX2(x *float32, n int)
// x[i] = 0.5*x*(1+erf(x/sqrt2)) for i < n (n a multiple of 8).
TEXT ·geluErfAVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	JZ   geludone
geluloop:
	VMOVUPS (SI), Y0
	VMULPS mconst<>+448(SB), Y0, Y1
	VMINPS mconst<>+480(SB), Y1, Y1
	VMAXPS mconst<>+512(SB), Y1, Y1
	VMULPS Y1, Y1, Y2
	VMOVUPS mconst<>+544(SB), Y3
	VFMADD213PS mconst<>+576(SB), Y2, Y3
	VFMADD213PS mconst<>+608(SB), Y2, Y3
	VFMADD213PS mconst<>+640(SB), Y2, Y3
	VFMADD213PS mconst<>+672(SB), Y2, Y3
	VFMADD213PS mconst<>+704(SB), Y2, Y3
	VFMADD213PS mconst<>+736(SB), Y2, Y3
	VMULPS Y1, Y3, Y3
	VMOVUPS mconst<>+768(SB), Y4
	VFMADD213PS mconst<>+800(SB), Y2, Y4
	VFMADD213PS mconst<>+832(SB), Y2, Y4
	VFMADD213PS mconst<>+864(SB), Y2, Y4
	VFMADD213PS mconst<>+896(SB), Y2, Y4
	VDIVPS Y4, Y3, Y3
	VADDPS mconst<>+0(SB), Y3, Y3
	VMULPS mconst<>+32(SB), Y0, Y0
	VMULPS Y3, Y0, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ  geluloop
geludone:
	VZEROUPPER
	RET


// func maxAVX2(x *float32, n int) float32
// max of x[0:n], n a positive multiple of 8.
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	VMOVUPS (SI), Y0
	ADDQ $32, SI
	DECQ CX
	JZ   maxdone
maxloop:
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ  maxloop
maxdone:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// lnmask: the tail mask for r lanes is the 8 words at lnmask+32-4r.
DATA lnmask<>+0(SB)/4, $0xffffffff
DATA lnmask<>+4(SB)/4, $0xffffffff
DATA lnmask<>+8(SB)/4, $0xffffffff
DATA lnmask<>+12(SB)/4, $0xffffffff
DATA lnmask<>+16(SB)/4, $0xffffffff
DATA lnmask<>+20(SB)/4, $0xffffffff
DATA lnmask<>+24(SB)/4, $0xffffffff
DATA lnmask<>+28(SB)/4, $0xffffffff
DATA lnmask<>+32(SB)/4, $0
DATA lnmask<>+36(SB)/4, $0
DATA lnmask<>+40(SB)/4, $0
DATA lnmask<>+44(SB)/4, $0
DATA lnmask<>+48(SB)/4, $0
DATA lnmask<>+52(SB)/4, $0
DATA lnmask<>+56(SB)/4, $0
DATA lnmask<>+60(SB)/4, $0
GLOBL lnmask<>(SB), RODATA|NOPTR, $64

// func layerNormAVX2(x, t, bias *float32, rows int, gamma, beta *float32, h int, fh, eps float32)
// Each of the rows (rows ≥ 1) of x, of length h ≥ 1 (fh = float32(h)),
// becomes LayerNorm(x + (t + bias)), or LayerNorm(x) when t is nil:
//   x0 = x[0]; m = Σ(x-x0)/h; v = Σ((x-x0)-m)²/h
//   x  = ((x-x0)-m)·(1/sqrt(v+eps)) ·g + b      (1/sqrt in float64)
// Tails (h%8) use masked loads and stores, so nothing past a row is touched.
//
// SI x row, DI t row (0: none), R8 bias, R9 gamma, R10 beta, BX rows left,
// DX row stride (bytes), R11 whole-block bytes, AX tail length, R12 offset.
// Y10 tail mask, Y14 x0, Y13 m, Y12 rstd, Y11 accumulator, X9 fh, X8 eps,
// X7 1.0 (float64).
TEXT ·layerNormAVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ t+8(FP), DI
	MOVQ bias+16(FP), R8
	MOVQ rows+24(FP), BX
	MOVQ gamma+32(FP), R9
	MOVQ beta+40(FP), R10
	MOVQ h+48(FP), DX
	VMOVSS fh+56(FP), X9
	VMOVSS eps+60(FP), X8
	MOVQ DX, R11
	ANDQ $-8, R11
	SHLQ $2, R11
	MOVQ DX, AX
	ANDQ $7, AX
	SHLQ $2, DX
	LEAQ lnmask<>+32(SB), R13
	MOVQ AX, R12
	SHLQ $2, R12
	SUBQ R12, R13
	VMOVUPS (R13), Y10
	MOVQ $0x3ff0000000000000, R13
	VMOVQ R13, X7

lnrow:
	// x0, after the residual.
	VMOVSS (SI), X0
	TESTQ DI, DI
	JZ    lnx0
	VMOVSS (DI), X1
	VADDSS (R8), X1, X1
	VADDSS X1, X0, X0
lnx0:
	VBROADCASTSS X0, Y14
	VXORPS Y11, Y11, Y11
	XORQ  R12, R12
	TESTQ DI, DI
	JNZ   lnp1res

	// Pass 1: Σ(x-x0).
lnp1:
	CMPQ R12, R11
	JGE  lnp1tail
	VMOVUPS (SI)(R12*1), Y0
	VSUBPS Y14, Y0, Y0
	VADDPS Y0, Y11, Y11
	ADDQ $32, R12
	JMP  lnp1
lnp1tail:
	TESTQ AX, AX
	JZ    lnp1done
	VMASKMOVPS (SI)(R12*1), Y10, Y0
	VSUBPS Y14, Y0, Y0
	VANDPS Y10, Y0, Y0
	VADDPS Y0, Y11, Y11
	JMP  lnp1done

	// Pass 1 with the residual: x = x + (t + bias), Σ(x-x0).
lnp1res:
	CMPQ R12, R11
	JGE  lnp1restail
	VMOVUPS (DI)(R12*1), Y0
	VADDPS (R8)(R12*1), Y0, Y0
	VADDPS (SI)(R12*1), Y0, Y0
	VMOVUPS Y0, (SI)(R12*1)
	VSUBPS Y14, Y0, Y0
	VADDPS Y0, Y11, Y11
	ADDQ $32, R12
	JMP  lnp1res
lnp1restail:
	TESTQ AX, AX
	JZ    lnp1done
	VMASKMOVPS (DI)(R12*1), Y10, Y0
	VMASKMOVPS (R8)(R12*1), Y10, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS (SI)(R12*1), Y10, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y10, (SI)(R12*1)
	VSUBPS Y14, Y0, Y0
	VANDPS Y10, Y0, Y0
	VADDPS Y0, Y11, Y11

lnp1done:
	VEXTRACTF128 $1, Y11, X1
	VADDPS X1, X11, X11
	VHADDPS X11, X11, X11
	VHADDPS X11, X11, X11
	VDIVSS X9, X11, X11
	VBROADCASTSS X11, Y13

	// Pass 2: Σ((x-x0)-m)².
	VXORPS Y11, Y11, Y11
	XORQ R12, R12
lnp2:
	CMPQ R12, R11
	JGE  lnp2tail
	VMOVUPS (SI)(R12*1), Y0
	VSUBPS Y14, Y0, Y0
	VSUBPS Y13, Y0, Y0
	VFMADD231PS Y0, Y0, Y11
	ADDQ $32, R12
	JMP  lnp2
lnp2tail:
	TESTQ AX, AX
	JZ    lnp2done
	VMASKMOVPS (SI)(R12*1), Y10, Y0
	VSUBPS Y14, Y0, Y0
	VSUBPS Y13, Y0, Y0
	VANDPS Y10, Y0, Y0
	VFMADD231PS Y0, Y0, Y11
lnp2done:
	VEXTRACTF128 $1, Y11, X1
	VADDPS X1, X11, X11
	VHADDPS X11, X11, X11
	VHADDPS X11, X11, X11
	VDIVSS X9, X11, X11
	VADDSS X8, X11, X11
	VCVTSS2SD X11, X11, X11
	VSQRTSD X11, X11, X11
	VDIVSD X11, X7, X11
	VCVTSD2SS X11, X11, X11
	VBROADCASTSS X11, Y12

	// Pass 3: x = ((x-x0)-m)·rstd·g + b.
	XORQ R12, R12
lnp3:
	CMPQ R12, R11
	JGE  lnp3tail
	VMOVUPS (SI)(R12*1), Y0
	VSUBPS Y14, Y0, Y0
	VSUBPS Y13, Y0, Y0
	VMULPS Y12, Y0, Y0
	VMOVUPS (R9)(R12*1), Y1
	VFMADD213PS (R10)(R12*1), Y1, Y0
	VMOVUPS Y0, (SI)(R12*1)
	ADDQ $32, R12
	JMP  lnp3
lnp3tail:
	TESTQ AX, AX
	JZ    lnp3done
	VMASKMOVPS (SI)(R12*1), Y10, Y0
	VSUBPS Y14, Y0, Y0
	VSUBPS Y13, Y0, Y0
	VMULPS Y12, Y0, Y0
	VMASKMOVPS (R9)(R12*1), Y10, Y1
	VMASKMOVPS (R10)(R12*1), Y10, Y2
	VFMADD213PS Y2, Y1, Y0
	VMASKMOVPS Y0, Y10, (SI)(R12*1)
lnp3done:
	ADDQ  DX, SI
	TESTQ DI, DI
	JZ    lnnext
	ADDQ  DX, DI
lnnext:
	DECQ BX
	JNZ  lnrow
	VZEROUPPER
	RET
